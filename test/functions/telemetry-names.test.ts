import { expect } from "chai";
import { LOG_MESSAGES, messageFilterPattern, METRIC_NAMES, METRICS_NAMESPACE } from "../../functions/shared/telemetry-names";

// These names are read outside this program: dashboards and alarms users build on the metrics, log
// queries on the messages (docs/operations.md names the namespace). A rename breaks them silently,
// so the names are written out here, not taken from the constants under test.
describe("telemetry names (functions/shared/telemetry-names.ts)", () => {
  it("publishes the metrics under the documented namespace and names", () => {
    expect(METRICS_NAMESPACE).to.equal("StreamReplication");
    expect(Object.values(METRIC_NAMES)).to.have.members([
      "RecordsIn",
      "RecordsWritten",
      "RecordsArchived",
      "RecordsProjected",
      "RecordsReplayed",
      "RecordsExpired",
      "RecordsSkipped",
      "RecordsParked",
      "RecordsRetried",
      "ObjectsLoaded",
      "ObjectsAlreadyLoaded",
      "RowsLoaded",
      "RowsRejected",
    ]);
  });

  it("matches a JSON log line by its message, as CloudWatch Logs filter patterns write it", () => {
    expect(messageFilterPattern(LOG_MESSAGES.parkedRecord)).to.equal('{ $.message = "parked record" }');
    expect(messageFilterPattern(LOG_MESSAGES.rowsRefused)).to.equal('{ $.message = "rows refused by the database" }');
  });
});
