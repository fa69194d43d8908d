/**
 * Registers every MIL op family's definitions with the catalogue.
 * Each family file calls `defineMilOps([...])` at load time.
 */
