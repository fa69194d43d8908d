import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureDir } from '../cli/fixtures.js';

/** Workspaces for run tests: fixture models copied into a temp folder, as a repository would hold them. */

/** Copies a fixture (model.onnx and its test_data_set_0) to `dir/<as>/`; returns the model path. */
export function copyFixture(name: string, dir: string, as: string = name): string {
  const target = join(dir, as);
  cpSync(fixtureDir(name), target, { recursive: true });
  return join(target, 'model.onnx');
}

/** A file with the .onnx name and none of the content. */
export function writeCorruptModel(dir: string, name = 'corrupt.onnx'): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, Buffer.from('this is not a protobuf at all \x00\xff\xfe'));
  return path;
}
