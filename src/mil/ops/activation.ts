import { defineMilOps } from '../catalogue.js';

/** MIL op definitions: activation family. */
defineMilOps([]);
