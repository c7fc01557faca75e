/**
 * A statement's failure that is about the values, not the database: SQLSTATE classes 01 (a
 * warning strict mode made an error, such as a truncated value), 22 (data exception) and 23
 * (constraint, such as a duplicate key), and the value errors MySQL and MariaDB
 * report as HY000 (incorrect value 1366, 1292, invalid string 1300, invalid JSON 3140, check
 * constraints 3819 and MariaDB's 4025, which guards its JSON columns).
 */
export function isDataError(error: unknown): boolean {
  const { sqlState, errno } = error as { sqlState?: string; errno?: number };
  return /^(01|22|23)/.test(String(sqlState)) || [1292, 1300, 1366, 3140, 3819, 4025].includes(errno ?? 0);
}
