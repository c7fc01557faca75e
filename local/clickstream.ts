import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";

const SHARD_ID = "shardId-000000000000";
const STREAM_ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/web-analytics";
const FIRST_SEQUENCE_NUMBER = 49590338271490256608559692538361571095921575989136588898n;
const FIRST_ARRIVAL_MS = Date.UTC(2024, 0, 30, 12, 0, 0);

const EVENTS = ["page view", "page view", "page view", "click", "scroll", "add to cart", "search", "checkout"];
const DEVICES = [
  { make: "Apple", platform: { name: "iOS", version: "17.4.1" } },
  { make: "Apple", platform: { name: "macOS", version: "14.4.1" } },
  { make: "Samsung", platform: { name: "Android", version: "14" } },
  { make: "Google", platform: { name: "Android", version: "14" } },
  { make: "Dell", platform: { name: "Windows", version: "11" } },
  { make: "Lenovo", platform: { name: "ChromeOS", version: "124.0" } },
];
const LOCATIONS = [
  { latitude: "52.3676", longitude: "4.9041", country: "NL" },
  { latitude: "51.5072", longitude: "-0.1276", country: "GB" },
  { latitude: "52.5200", longitude: "13.4050", country: "DE" },
  { latitude: "40.7128", longitude: "-74.0060", country: "US" },
  { latitude: "35.6762", longitude: "139.6503", country: "JP" },
  { latitude: "-23.5558", longitude: "-46.6396", country: "BR" },
];
const SECTIONS = ["catalog/shoes", "catalog/jackets", "catalog/bags", "blog/style-guide", "account/orders", "help/returns"];
const REFERRERS = [null, null, "", "https://www.google.com/search?q=running+shoes", "https://www.bing.com/search?q=rain+jacket", "https://t.co/x3Kq9Vb2Lm"];
const FIRST_NAMES = ["ana", "ben", "chloe", "dmitri", "eva", "farid", "grace", "hiro", "ines", "jonas"];
const LAST_NAMES = ["silva", "meyer", "okafor", "nguyen", "kowalski", "rossi", "haddad", "larsen", "tanaka", "garcia"];

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function clickstreamPayload(random: () => number, arrivalMs: number) {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
  const hex = (length: number) => Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join("");
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  const pageId = 1000 + Math.floor(random() * 9000);
  const section = pick(SECTIONS);
  const userNumber = Math.floor(random() * 50_000);
  const anonymous = random() < 0.2;
  const clientMs = arrivalMs - 40 - Math.floor(random() * 900);
  const sessionStartMs = clientMs - Math.floor(random() * 600_000);
  return {
    page_id: `p-${pageId}`,
    page_url: `https://shop.example.com/${section}/item-${pageId}?utm_source=${pick(["newsletter", "search", "social"])}&utm_campaign=spring-${pageId % 7}`,
    referrer: pick(REFERRERS),
    user_id: `u-${userNumber.toString().padStart(6, "0")}`,
    useremail: anonymous ? "" : `${pick(FIRST_NAMES)}.${pick(LAST_NAMES)}${userNumber % 100}@example.com`,
    event: pick(EVENTS),
    Hits: 1 + Math.floor(random() * 4),
    device: { ...pick(DEVICES), location: pick(LOCATIONS) },
    session: {
      session_id: uuid(),
      start_timestamp: new Date(sessionStartMs).toISOString(),
      stop_timestamp: new Date(clientMs + Math.floor(random() * 120_000)).toISOString(),
    },
    scroll_depth: Math.round(random() * 100),
    nanotimestamp: `${clientMs}${String(Math.floor(random() * 1e6)).padStart(6, "0")}`,
    client_timestamp: new Date(clientMs).toISOString(),
  };
}

export interface ClickstreamOptions {
  records: number;
  batchSize: number;
  seed: number;
  /** Share of records, 0–1, replaced by data the ingest function must park. Default: 0. */
  malformedShare?: number;
}

/** What a broken producer sends: text that is not JSON, JSON that is not an object, an item over 400 KB. */
const MALFORMED = [
  () => Buffer.from("GET /index.html HTTP/1.1"),
  () => Buffer.from(JSON.stringify(["page view", "p-1000"])),
  () => Buffer.from(JSON.stringify({ event: "page view", dom_snapshot: "<div>".repeat(90_000) })),
];

/** A deterministic web-analytics clickstream: `records` click events in Kinesis batches of `batchSize`, one shard, sequence numbers strictly increasing. */
export function clickstreamBatches({ records, batchSize, seed, malformedShare = 0 }: ClickstreamOptions): KinesisStreamEvent[] {
  const random = prng(seed);
  const all: KinesisStreamRecord[] = [];
  let sequenceNumber = FIRST_SEQUENCE_NUMBER;
  let arrivalMs = FIRST_ARRIVAL_MS;
  for (let i = 0; i < records; i++) {
    sequenceNumber += BigInt(1 + Math.floor(random() * 2 ** 40));
    arrivalMs += Math.floor(random() * 20);
    const payload = clickstreamPayload(random, arrivalMs);
    const data = random() < malformedShare ? MALFORMED[i % MALFORMED.length]() : Buffer.from(JSON.stringify(payload));
    all.push({
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: payload.session.session_id,
        sequenceNumber: sequenceNumber.toString(),
        data: data.toString("base64"),
        approximateArrivalTimestamp: arrivalMs / 1000,
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `${SHARD_ID}:${sequenceNumber}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: "arn:aws:iam::123456789012:role/lambda-role",
      awsRegion: "eu-west-1",
      eventSourceARN: STREAM_ARN,
    });
  }
  const batches: KinesisStreamEvent[] = [];
  for (let i = 0; i < all.length; i += batchSize) batches.push({ Records: all.slice(i, i + batchSize) });
  return batches;
}
