import { defineMilOps } from '../catalogue.js';

/** MIL op definitions: conv family. */
defineMilOps([]);
