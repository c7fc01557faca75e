/**
 * The names the loader's database, tables, columns and user may have: plain ones (a letter or "_",
 * then letters, digits or "_"), within MySQL 8's lengths: 32 characters for a user name, 64 for
 * other identifiers. https://dev.mysql.com/doc/refman/8.0/en/identifier-length.html
 */
export const MYSQL_NAMES = {
  user: { pattern: /^[A-Za-z_][A-Za-z0-9_]{0,31}$/, rule: 'a letter or "_" then up to 31 letters, digits or "_"' },
  identifier: { pattern: /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, rule: 'a letter or "_" then up to 63 letters, digits or "_"' },
} as const;
