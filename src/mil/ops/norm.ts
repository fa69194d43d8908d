import { defineMilOps } from '../catalogue.js';

/** MIL op definitions: norm family. */
defineMilOps([]);
