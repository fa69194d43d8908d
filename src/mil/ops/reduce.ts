import { defineMilOps } from '../catalogue.js';

/** MIL op definitions: reduce family. */
defineMilOps([]);
