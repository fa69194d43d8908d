import { defineMilOps } from '../catalogue.js';

/** MIL op definitions: shape family. */
defineMilOps([]);
