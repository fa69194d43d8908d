import { ModelInputError } from '../errors.js';
import { onnx } from '../gen/onnx.js';
import { functionFromProto, graphFromProto, opsetImportsFromProto, type DecodeContext } from './decode-graph.js';
import { createExternalDataReader } from './external-data.js';
import { isLfsPointer, lfsPointerSize } from './lfs-pointer.js';
import type { OnnxModel } from './ir.js';
import { ElementBudget, resolveLimits, type OnnxLimits } from './limits.js';
import { asBuffer, decodeProtoSafely, isDepthError } from './proto-decode.js';
import { int64ToBigInt, int64ToSafeNumber } from './proto-values.js';

export interface DecodeOnnxOptions {
  /** The file the bytes came from: named in errors, and its folder is where external data is looked up. */
  path: string;
  limits?: Partial<OnnxLimits>;
  /**
   * Give every raw_data tensor an array of its own instead of a view into `bytes`.
   * For a file read only to be decoded: raw_data sits at arbitrary offsets, so most
   * float tensors are copied to be aligned anyway, and a single aligned view would
   * keep the whole file's buffer alive beside those copies (1.75x the weights for
   * ViT-B/16). Copying all of them lets the buffer go once decoded.
   */
  ownData?: boolean;
  /**
   * Reads a range of the file `bytes` came from again. When given, raw_data of
   * 64 KiB or more is not held but read from the file when first used (a
   * tensor made on demand, see tensor/on-demand.ts), so the model holds next to
   * none of its weights and conversion reads each when it needs it.
   */
  rawDataFrom?: (offset: number, length: number) => Uint8Array;
}

export { isLfsPointer };

export function lfsPointerError(file: string, bytes?: Uint8Array): ModelInputError {
  const size = lfsPointerSize(bytes);
  return new ModelInputError(
    'LFS_POINTER',
    `this is a Git LFS pointer${size === undefined ? '' : ` (the real model has ${size} bytes)`}, not the model; check the repository out with \`lfs: true\` (actions/checkout) so the real file is present`,
    { file },
  );
}

function checkEnvelope(bytes: Buffer, file: string, limits: OnnxLimits): void {
  if (bytes.length > limits.maxFileBytes) {
    throw new ModelInputError('FILE_TOO_LARGE', `the model has ${bytes.length} bytes, above the limit of ${limits.maxFileBytes}`, { file });
  }
  if (bytes.length === 0) throw new ModelInputError('MALFORMED', 'the file is empty', { file });
  if (isLfsPointer(bytes)) throw lfsPointerError(file, bytes);
}

function metadataFromProto(props: readonly onnx.IStringStringEntryProto[]): Map<string, string> {
  return new Map(props.map((p) => [p.key ?? '', p.value ?? '']));
}

function modelFromProto(proto: onnx.ModelProto, ctx: DecodeContext): OnnxModel {
  if (!proto.graph) throw new ModelInputError('MALFORMED', 'the file holds no graph: it is not an ONNX model', { file: ctx.file });
  // ONNX requires ir_version (the checker refuses 0); a file without it is some other protobuf.
  if (proto.irVersion == null || int64ToBigInt(proto.irVersion) <= 0n) {
    throw new ModelInputError('MALFORMED', 'the model sets no ir_version: it is not a valid ONNX model', { file: ctx.file });
  }
  const opsetImports = opsetImportsFromProto(proto.opsetImport ?? [], ctx);
  const model: OnnxModel = {
    irVersion: int64ToSafeNumber(proto.irVersion ?? 0, 'ir_version', ctx.file),
    opsetImports,
    producerName: proto.producerName ?? '',
    producerVersion: proto.producerVersion ?? '',
    metadata: metadataFromProto(proto.metadataProps ?? []),
    graph: graphFromProto(proto.graph, ctx, 0),
    functions: (proto.functions ?? []).map((f) => functionFromProto(f, ctx)),
    sourcePath: ctx.file,
  };
  if (proto.docString) model.docString = proto.docString;
  if (proto.modelVersion != null && int64ToBigInt(proto.modelVersion) !== 0n) {
    model.modelVersion = int64ToSafeNumber(proto.modelVersion, 'model_version', ctx.file);
  }
  return model;
}

/**
 * Decodes an ONNX ModelProto held in `bytes` into the graph IR, enforcing the
 * limits of `options.limits` (see limits.ts). Initializers stored in raw_data
 * are views into `bytes` when aligned, so keep `bytes` alive with the model.
 * Every failure a file can cause is a ModelInputError naming `options.path`.
 */
export function decodeOnnxModel(bytes: Buffer, options: DecodeOnnxOptions): OnnxModel {
  const file = options.path;
  const limits = resolveLimits(options.limits);
  // Callers holding a plain Uint8Array still get views, not copies, for raw_data (unless they ask for data of its own).
  const buffer = asBuffer(bytes);
  checkEnvelope(buffer, file, limits);
  const proto = decodeProtoSafely((r) => onnx.ModelProto.decode(r), buffer, file, 'model', limits.maxDecodeWork);
  const ctx: DecodeContext = {
    file,
    limits,
    budget: new ElementBudget(limits, file),
    readExternal: createExternalDataReader(file),
    ownData: options.ownData === true,
    ...(options.rawDataFrom ? { rawData: { decoded: buffer, read: options.rawDataFrom } } : {}),
    nodeCount: 0,
    subgraphCount: 0,
  };
  try {
    return modelFromProto(proto, ctx);
  } catch (err) {
    if (isDepthError(err)) {
      throw new ModelInputError('LIMIT_EXCEEDED', 'the model nests graphs too deeply to decode', { file, cause: err });
    }
    throw err;
  }
}
