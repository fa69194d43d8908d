import { defineMilOps } from '../catalogue.js';

/** MIL op definitions: pool family. */
defineMilOps([]);
