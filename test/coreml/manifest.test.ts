import { describe, expect, it } from 'vitest';
import { contentItemIdentifier, createManifest, parseManifest, serializeManifest } from '../../src/coreml/manifest.js';
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

describe('createManifest', () => {
  const digest = (c: string) => c.repeat(64);

  it('derives the item identifiers from the contents: same contents, same manifest text', () => {
    const a = serializeManifest(createManifest({ model: digest('a'), weights: digest('b') }));
    const b = serializeManifest(createManifest({ model: digest('a'), weights: digest('b') }));
    expect(b).toBe(a);
    expect(parseManifest(a, 'Manifest.json').itemInfoEntries[parseManifest(a, 'Manifest.json').rootModelIdentifier]?.name).toBe('model.mlmodel');
  });

  it('gives new identifiers when an item content changes', () => {
    const before = createManifest({ model: digest('a'), weights: digest('b') });
    const after = createManifest({ model: digest('a'), weights: digest('c') });
    expect(after.rootModelIdentifier).toBe(before.rootModelIdentifier);
    expect(Object.keys(after.itemInfoEntries)).not.toEqual(Object.keys(before.itemInfoEntries));
  });

  it('shapes identifiers as version-8 UUIDs, distinct per item path for equal contents', () => {
    const model = contentItemIdentifier('com.apple.CoreML/model.mlmodel', digest('0'));
    const weights = contentItemIdentifier('com.apple.CoreML/weights', digest('0'));
    for (const id of [model, weights]) expect(id).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-8[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    expect(model).not.toBe(weights);
  });
});
