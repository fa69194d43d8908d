import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/coreml/manifest.js';
import { ToolError } from '../../src/errors.js';

const item = (path: string) => ({ path, name: 'model.mlmodel', author: 'com.apple.CoreML', description: 'CoreML Model Specification' });

describe('parseManifest', () => {
  it('keeps an item named "__proto__" an ordinary entry instead of the object prototype', () => {
    const text = JSON.stringify({ fileFormatVersion: '1.0.0', itemInfoEntries: { __proto__: item('com.apple.CoreML/model.mlmodel') }, rootModelIdentifier: '__proto__' })
      // JSON.stringify drops a literal __proto__ key; write it into the text by hand.
      .replace('"itemInfoEntries":{}', `"itemInfoEntries":{"__proto__":${JSON.stringify(item('com.apple.CoreML/model.mlmodel'))}}`);
    const manifest = parseManifest(text, 'Manifest.json');
    expect(Object.hasOwn(manifest.itemInfoEntries, '__proto__')).toBe(true);
    expect(manifest.itemInfoEntries['__proto__']?.path).toBe('com.apple.CoreML/model.mlmodel');
  });

  it('refuses a root identifier that names an inherited property, not an item', () => {
    const text = JSON.stringify({ fileFormatVersion: '1.0.0', itemInfoEntries: { A: item('com.apple.CoreML/model.mlmodel') }, rootModelIdentifier: 'toString' });
    expect(() => parseManifest(text, 'Manifest.json')).toThrow(ToolError);
    expect(() => parseManifest(text, 'Manifest.json')).toThrow(/root model identifier "toString" is not among the items/);
  });
});
