import { type ArchiveColumn } from "../../functions/transform/core";

/**
 * The archive's documented example and default: the DynamoDB-to-Aurora design's web-analytics JSON Schema (hits, device,
 * session), with the page the hit was on required too, as a row without its page is of no use.
 */
export const WEB_ANALYTICS_SCHEMA = {
  type: "object",
  properties: {
    page_id: { type: "string", minLength: 1 },
    // The hits column is an INT: the schema keeps every count within it.
    Hits: { type: "integer", minimum: 0, maximum: 2147483647 },
    device: {
      type: "object",
      properties: {
        make: { type: "string" },
        platform: {
          type: "object",
          properties: { name: { type: "string" }, version: { type: "string" } },
          required: ["name", "version"],
        },
        location: {
          type: "object",
          properties: { latitude: { type: "string" }, longitude: { type: "string" }, country: { type: "string" } },
          required: ["latitude", "longitude", "country"],
        },
      },
      required: ["make", "platform", "location"],
    },
    session: {
      type: "object",
      properties: {
        session_id: { type: "string" },
        start_timestamp: { type: "string" },
        stop_timestamp: { type: "string" },
      },
      required: ["session_id", "start_timestamp", "stop_timestamp"],
    },
  },
  required: ["page_id", "Hits", "device", "session"],
};

/**
 * The CSV columns after `dedup_key`, `change` and `changed_at`: the DynamoDB-to-Aurora design's table (page, hits,
 * session start and end, country) plus who and what, each with the timestamps the event carries.
 */
export const WEB_ANALYTICS_COLUMNS: ArchiveColumn[] = [
  { name: "page_id", path: "page_id" },
  { name: "hits", path: "Hits" },
  { name: "event", path: "event" },
  { name: "user_email", path: "useremail" },
  { name: "device_make", path: "device.make" },
  { name: "platform", path: "device.platform.name" },
  { name: "platform_version", path: "device.platform.version" },
  { name: "country", path: "device.location.country" },
  { name: "session_id", path: "session.session_id" },
  { name: "session_start", path: "session.start_timestamp" },
  { name: "session_stop", path: "session.stop_timestamp" },
  { name: "client_timestamp", path: "client_timestamp" },
  { name: "arrived_at", path: "approximateArrivalTimestamp" },
];

/** SQL types for the web-analytics columns that are not text, for AuroraLoader. */
export const WEB_ANALYTICS_COLUMN_TYPES: Record<string, string> = { hits: "INT" };
