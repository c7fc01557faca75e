import { expect } from "chai";
import { isDataError } from "../../functions/load/data-error";

/** mysql2's error as the server reports it: errno, SQLSTATE and code (https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html). */
const serverError = (errno: number, sqlState: string, code: string) => Object.assign(new Error(code), { errno, sqlState, code });

describe("isDataError: a failure about the values, which parks a line, against one about the database, which fails the load", () => {
  it("is a data error for the value errors Aurora MySQL reports as HY000, which MariaDB's SQLSTATE does not show", () => {
    for (const [errno, code] of [
      [1292, "ER_TRUNCATED_WRONG_VALUE"],
      [1300, "ER_INVALID_CHARACTER_STRING"],
      [1366, "ER_TRUNCATED_WRONG_VALUE_FOR_FIELD"],
      [3140, "ER_INVALID_JSON_TEXT"],
      [3819, "ER_CHECK_CONSTRAINT_VIOLATED"],
      [4025, "ER_CONSTRAINT_FAILED"],
    ] as const) {
      expect(isDataError(serverError(errno, "HY000", code)), code).to.equal(true);
    }
  });

  it("is a data error for SQLSTATE classes 01, 22 and 23, whatever the code", () => {
    expect(isDataError(serverError(1265, "01000", "WARN_DATA_TRUNCATED"))).to.equal(true);
    expect(isDataError(serverError(1264, "22003", "ER_WARN_DATA_OUT_OF_RANGE"))).to.equal(true);
    expect(isDataError(serverError(1062, "23000", "ER_DUP_ENTRY"))).to.equal(true);
  });

  it("is no data error for the database's own trouble, nor for an error without a server's answer", () => {
    expect(isDataError(serverError(1205, "HY000", "ER_LOCK_WAIT_TIMEOUT"))).to.equal(false);
    expect(isDataError(serverError(1213, "40001", "ER_LOCK_DEADLOCK"))).to.equal(false);
    expect(isDataError(serverError(1146, "42S02", "ER_NO_SUCH_TABLE"))).to.equal(false);
    // A class named past the start of the SQLSTATE is another class.
    expect(isDataError(serverError(1105, "HY022", "ER_UNKNOWN_ERROR"))).to.equal(false);
    expect(isDataError(Object.assign(new Error("Connection lost: The server closed the connection."), { code: "PROTOCOL_CONNECTION_LOST" }))).to.equal(false);
    expect(isDataError(new Error("socket hang up"))).to.equal(false);
  });
});
