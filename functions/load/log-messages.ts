/** The log line per object with rows the database refused: the loader's rejected-rows alarm counts it. */
export const ROWS_REFUSED_MESSAGE = "rows refused by the database";
