import { basename } from 'node:path';
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { ToolError } from '../errors.js';
import { readRegularFile } from '../safe-file.js';
import { parseNpy } from './npy.js';
import type { NamedTensor, TestDataSet } from './test-data-set.js';

/**
 * Test data in one .npz file (a zip of .npy arrays, as `np.savez` writes it).
 *
 * Convention: entries under `inputs/` are the model inputs and entries under
 * `outputs/` the expected outputs, each named after the model input or output:
 *
 * ```python
 * np.savez("test_data_0.npz", **{"inputs/image": image, "outputs/logits": logits})
 * ```
 *
 * Order inside each group is the order of the entries in the archive (the order
 * `np.savez` was given them); it is only used when a name matches nothing in the model.
 * Entries outside `inputs/` and `outputs/` are ignored. Object arrays (pickles, as in
 * the ONNX model zoo's `inputs`/`outputs` lists) are not read: they could run code.
 */

/** Largest .npz file and largest total unpacked size accepted (zip bombs declare small files). */
const MAX_NPZ_BYTES = 2 ** 31 - 1;

const GROUPS = { input: 'inputs/', output: 'outputs/' } as const;

/** Reads one .npz through the safe opener; `within` is the folder its real path must stay in (default: its own). */
export async function readNpzTestData(path: string, within?: string): Promise<TestDataSet> {
  const bytes = await readRegularFile(path, { what: 'the .npz file', maxBytes: MAX_NPZ_BYTES, code: 'REFERENCE', ...(within === undefined ? {} : { within }) });
  return parseNpzTestData(bytes, path);
}

export function parseNpzTestData(bytes: Uint8Array, path: string): TestDataSet {
  const entries = unzipEntries(bytes, path);
  const inputs: NamedTensor[] = [];
  const outputs: NamedTensor[] = [];
  for (const [entry, data] of entries) {
    const group = entry.startsWith(GROUPS.input) ? inputs : entry.startsWith(GROUPS.output) ? outputs : undefined;
    if (!group) continue;
    const name = entry.slice(entry.indexOf('/') + 1).replace(/\.npy$/, '');
    group.push({ name, tensor: parseNpy(data, `${path}:${entry}`) });
  }
  if (outputs.length === 0) {
    throw new ToolError('REFERENCE', 'the .npz file has no outputs/<name> entries (expected inputs/<name> and outputs/<name> arrays)', { file: path });
  }
  return { name: basename(path), inputs, outputs };
}

function unzipEntries(bytes: Uint8Array, path: string): [string, Uint8Array][] {
  let declared = 0;
  const wanted = (info: UnzipFileInfo): boolean => {
    if (!info.name.endsWith('.npy')) return false;
    declared += info.originalSize;
    if (declared > MAX_NPZ_BYTES) {
      throw new ToolError('LIMIT_EXCEEDED', `the .npz entries unpack to more than ${MAX_NPZ_BYTES} bytes`, { file: path });
    }
    return true;
  };
  try {
    return Object.entries(unzipSync(bytes, { filter: wanted }));
  } catch (err) {
    if (err instanceof ToolError) throw err;
    throw new ToolError('MALFORMED', `not a readable .npz (zip) file: ${err instanceof Error ? err.message : String(err)}`, { file: path, cause: err });
  }
}
