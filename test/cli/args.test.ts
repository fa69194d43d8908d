import { describe, expect, it } from 'vitest';
import { defaultPackagePath, parseCommandLine, wantsJson } from '../../src/cli/args.js';
import { usageMessage } from './usage-error.js';

describe('parseCommandLine: convert', () => {
  it('defaults to iOS15, fp16 and a package next to the model', () => {
    expect(parseCommandLine(['convert', 'models/net.onnx'])).toEqual({
      command: 'convert',
      model: 'models/net.onnx',
      output: 'models/net.mlpackage',
      target: 'iOS15',
      precision: 'fp16',
      json: false,
      debug: false,
    });
  });

  it('reads -o, --target, --precision and --json', () => {
    const r = parseCommandLine(['convert', 'a.onnx', '-o', 'out/b.mlpackage', '--target', 'iOS17', '--precision', 'fp32', '--json']);
    expect(r).toMatchObject({ output: 'out/b.mlpackage', target: 'iOS17', precision: 'fp32', json: true });
  });

  it('accepts a model whose name starts with a dash after --', () => {
    expect(parseCommandLine(['convert', '--', '-odd.onnx'])).toMatchObject({ model: '-odd.onnx', output: '-odd.mlpackage' });
  });

  it('rejects an unknown target and names the allowed ones', () => {
    expect(usageMessage(['convert', 'a.onnx', '--target', 'iOS14'])).toContain("iOS15, iOS16, iOS17, iOS18, got 'iOS14'");
  });

  it('rejects an unknown precision', () => {
    expect(usageMessage(['convert', 'a.onnx', '--precision', 'int8'])).toContain('fp16, fp32');
  });

  it('rejects an output without the .mlpackage extension Core ML needs', () => {
    expect(usageMessage(['convert', 'a.onnx', '-o', 'a.mlmodel'])).toContain('.mlpackage');
  });

  it('rejects unknown flags, a missing model and extra arguments', () => {
    expect(usageMessage(['convert', 'a.onnx', '--fast'])).toBe("unknown option '--fast' (see 'onnx-coreml convert --help')");
    expect(usageMessage(['convert'])).toContain('missing MODEL.onnx');
    expect(usageMessage(['convert', 'a.onnx', 'b.onnx'])).toContain("unexpected argument 'b.onnx'");
  });

  it('reads --max-detections as a whole number of rows and refuses anything else', () => {
    expect(parseCommandLine(['convert', 'a.onnx', '--max-detections', '100'])).toMatchObject({ maxDetections: 100 });
    expect(usageMessage(['convert', 'a.onnx', '--max-detections', '0'])).toContain('--max-detections');
    expect(usageMessage(['convert', 'a.onnx', '--max-detections', '2.5'])).toContain('a whole number');
  });

  it('rejects a string option given without its value', () => {
    expect(usageMessage(['convert', 'a.onnx', '--target'])).toContain('--target');
  });
});

describe('parseCommandLine: check and verify', () => {
  it('reads check with --json', () => {
    expect(parseCommandLine(['check', 'a.onnx', '--json'])).toEqual({ command: 'check', model: 'a.onnx', json: true, debug: false });
  });

  it('reads verify against a data folder or an ONNX model', () => {
    expect(parseCommandLine(['verify', 'p.mlpackage', '--data', 'dir'])).toMatchObject({ packagePath: 'p.mlpackage', source: { dataDir: 'dir' } });
    expect(parseCommandLine(['verify', 'p.mlpackage', '--onnx', 'm.onnx'])).toMatchObject({ source: { onnxPath: 'm.onnx' } });
  });

  it('requires exactly one reference source for verify', () => {
    expect(usageMessage(['verify', 'p.mlpackage'])).toContain('exactly one of --data');
    expect(usageMessage(['verify', 'p.mlpackage', '--data', 'd', '--onnx', 'm.onnx'])).toContain('exactly one of --data');
  });
});

describe('parseCommandLine: help, version, commands', () => {
  it('answers --version and --help at the top level', () => {
    expect(parseCommandLine(['--version'])).toEqual({ command: 'version' });
    expect(parseCommandLine(['-h'])).toMatchObject({ command: 'help', text: expect.stringContaining('Commands:') });
  });

  it('gives each command its own help, even with other arguments missing', () => {
    expect(parseCommandLine(['convert', '--help'])).toMatchObject({ text: expect.stringContaining('--precision') });
    expect(parseCommandLine(['verify', '-h'])).toMatchObject({ text: expect.stringContaining('--data DIR') });
    expect(parseCommandLine(['check', '--help'])).toMatchObject({ text: expect.stringContaining('check (MODEL.onnx | PACKAGE.mlpackage)') });
  });

  it('rejects a missing or unknown command and points to --help', () => {
    expect(usageMessage([])).toContain('missing command');
    expect(usageMessage(['transmogrify'])).toMatch(/unknown command 'transmogrify'.*convert, check, verify.*--help/);
    expect(usageMessage(['--frobnicate'])).toContain("unknown option '--frobnicate'");
  });

  it('refuses prototype keys as command names', () => {
    expect(usageMessage(['constructor'])).toContain("unknown command 'constructor'");
    expect(usageMessage(['__proto__'])).toContain('unknown command');
  });
});

describe('helpers', () => {
  it('derives the package path by replacing a trailing .onnx, any case', () => {
    expect(defaultPackagePath('a/b.ONNX')).toBe('a/b.mlpackage');
    expect(defaultPackagePath('model')).toBe('model.mlpackage');
  });

  it('sees --json only before the -- terminator', () => {
    expect(wantsJson(['convert', 'x', '--json'])).toBe(true);
    expect(wantsJson(['convert', '--', '--json'])).toBe(false);
  });
});
