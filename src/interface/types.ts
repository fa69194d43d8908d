/**
 * The app-facing interface of a package, as options (what the user asks for) and as the
 * record kept in the package (what was applied), which verification and the report read.
 * Nothing here knows ONNX: facts about the source model arrive as `SourceFacts`.
 */

export type ImageColor = 'RGB' | 'BGR' | 'GRAY';

/** How pixel values (0–255) become the model's input tensor. */
export interface PixelNormalization {
  /** Core ML's own form: value·scale + bias (bias: one value, or one per channel in the input's channel order). */
  scale?: number;
  bias?: number[];
  /** Or mean/std (one per channel, in the input's channel order) on the 0–`pixelRange` scale: (pixel·pixelRange/255 − mean)/std. */
  mean?: number[];
  std?: number[];
  pixelRange?: 1 | 255;
}

export interface ImageInputOptions extends PixelNormalization {
  name: string;
  color: ImageColor;
}

/** How an image output's values become pixels: value·scale + bias, then clipped to 0–255. */
export interface ImageOutputOptions {
  name: string;
  color: ImageColor;
  scale?: number;
  bias?: number[];
}

export interface ClassifierOptions {
  /** Class labels, one per score: strings, or integers for an integer-labelled classifier. */
  labels: string[] | number[];
  /** Where the labels came from, for the report (a file path, or "the model's metadata_props"). */
  labelSource: string;
  /** The output holding the class scores; needed when several outputs could. */
  probabilitiesOutput?: string;
}

export interface MetadataOptions {
  author?: string;
  license?: string;
  version?: string;
  description?: string;
  inputDescriptions?: Record<string, string>;
  outputDescriptions?: Record<string, string>;
  /** Extra user-defined metadata entries. */
  metadata?: Record<string, string>;
}

/** How a detector's raw outputs are laid out (see interface/detector.ts); `auto` reads it from their shapes. */
export type DetectorLayout = 'auto' | 'separate' | 'yolov8' | 'yolov5';
export type BoxFormat = 'cxcywh' | 'xyxy';
export type BoxUnits = 'pixels' | 'normalized';

/** The NonMaximumSuppression stage's settings. */
export interface NmsSettings {
  iouThreshold: number;
  confidenceThreshold: number;
  /** Suppress only among boxes of the same class. */
  perClass: boolean;
  /** Most boxes the model returns. */
  maxDetections: number;
}

/** `--nms`: end the model in Core ML's NonMaximumSuppression, as a pipeline. */
export interface DetectorOptions extends NmsSettings {
  layout: DetectorLayout;
  boxFormat: BoxFormat;
  boxUnits: BoxUnits;
  /** Class labels, one per score column, and where they came from. */
  labels?: string[] | number[];
  labelSource?: string;
}

export interface InterfaceOptions extends MetadataOptions {
  imageInputs?: ImageInputOptions[];
  imageOutputs?: ImageOutputOptions[];
  classifier?: ClassifierOptions;
  detector?: DetectorOptions;
}

/** What `--nms` applied: enough to redo the decoding from the source model's outputs. */
export interface DetectorRecord {
  layout: Exclude<DetectorLayout, 'auto'>;
  /** The source outputs read: boxes then scores (separate), or the one tensor. */
  outputs: string[];
  boxFormat: BoxFormat;
  /** Pixel boxes are divided by this size; absent when they are already normalized. */
  imageSize?: { width: number; height: number };
  /** Rows (N) and classes (C). */
  boxes: number;
  classes: number;
  nms: NmsSettings;
}

/** What the interface needs to know about the source model, gathered by the caller. */
export interface SourceFacts {
  /** SHA-256 of the source file's bytes, hex. */
  sha256: string;
  docString?: string;
  producerName?: string;
  producerVersion?: string;
  modelVersion?: number;
  /** The source model's own key → value metadata. */
  properties: Record<string, string>;
}

/** Folded Core ML preprocessing of one image input: value·scale + bias, then ·channelScale (the extra `mul`) when set. */
export interface FoldedPreprocessing {
  scale: number;
  bias: number[];
  channelScale?: number[];
}

/** What was applied, stored in the package's user-defined metadata under INTERFACE_KEY. */
export interface InterfaceRecord {
  /** The program's tensor outputs before the interface, in order: the source model's outputs. */
  tensorOutputs: string[];
  imageInputs: (ImageInputOptions & { folded: FoldedPreprocessing })[];
  imageOutputs: Required<ImageOutputOptions>[];
  classifier?: {
    /** The model output whose scores feed the classifier (its name in the package before classify replaced it). */
    scores: string;
    labelOutput: string;
    probabilitiesOutput: string;
    labelCount: number;
    labelType: 'string' | 'int64';
    softmaxAdded: boolean;
  };
  detector?: DetectorRecord;
}
