import { defineMilOps } from '../catalogue.js';

/** MIL op definitions: elementwise family. */
defineMilOps([]);
