import { defineMilOps } from '../catalogue.js';

/** MIL op definitions: constexpr family. */
defineMilOps([]);
