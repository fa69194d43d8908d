import { describe, expect, it } from 'vitest';
import { labelsFromJson, labelsFromLines, labelsFromProperties } from '../../src/interface/labels.js';

describe('class labels', () => {
  it('reads one label per line, ignoring the trailing newline and Windows line ends', () => {
    expect(labelsFromLines('cat\r\ndog\r\nbird\r\n', 'l.txt')).toEqual(['cat', 'dog', 'bird']);
  });

  it('refuses an empty line in the middle, naming the file and the line', () => {
    expect(() => labelsFromLines('cat\n\ndog\n', 'l.txt')).toThrow(/l\.txt: class labels: line 2 is empty/);
  });

  it('reads a JSON array of strings, or of integers for an integer-labelled classifier', () => {
    expect(labelsFromJson('["a", "b"]', 'l.json')).toEqual(['a', 'b']);
    expect(labelsFromJson('[3, 1, 2]', 'l.json')).toEqual([3, 1, 2]);
  });

  it('refuses mixed, duplicate or too few labels', () => {
    expect(() => labelsFromJson('["a", 1]', 'l.json')).toThrow(/only strings or only integers/);
    expect(() => labelsFromJson('["a", "a"]', 'l.json')).toThrow(/"a" appears twice/);
    expect(() => labelsFromJson('["a"]', 'l.json')).toThrow(/at least 2 labels/);
    expect(() => labelsFromJson('{"a": 1}', 'l.json')).toThrow(/must be an array/);
  });

  it('takes labels a model keeps in its properties, as a JSON array or one per line', () => {
    expect(labelsFromProperties({ class_labels: '["x", "y"]' }, 'm.onnx')).toEqual({ labels: ['x', 'y'], key: 'class_labels' });
    expect(labelsFromProperties({ labels: 'x\ny' }, 'm.onnx')).toEqual({ labels: ['x', 'y'], key: 'labels' });
    expect(labelsFromProperties({ names: "{0: 'person'}" }, 'm.onnx')).toBeUndefined();
  });
});
