import { defineMilOps } from '../catalogue.js';

/** MIL op definitions: linear family. */
defineMilOps([]);
