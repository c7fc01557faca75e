import type { DynamoDBRecord } from "aws-lambda";
import { EXPIRES_AT, indexItemOwn, sortableSequence, SOURCE_ITEM, SOURCE_SEQUENCE, type IndexSpec } from "./spec";
import { itemKeyText, toSdkItem, type Item } from "./stream-image";

/** `owner`: the key of the table item the change is to (`itemKeyText`), which the index item records. */
export type IndexChange =
  | { kind: "put"; item: Item; sequence: string; owner: string; replaces?: Item }
  | { kind: "delete"; key: Item; sequence: string; owner: string }
  | { kind: "skip"; why: string }
  | { kind: "poison"; reason: string };

/** An image's index key: its hash and range key attributes, undefined when one is missing or empty. */
export function keyOf(image: Item, spec: IndexSpec): Item | undefined {
  const names = spec.rangeKey ? [spec.hashKey, spec.rangeKey] : [spec.hashKey];
  const key: Item = {};
  for (const name of names) {
    // DynamoDB refuses an empty string or binary as a key value: such an item has no index key.
    if (!image[name] || image[name].S === "" || (image[name].B !== undefined && image[name].B!.length === 0)) return undefined;
    key[name] = image[name];
  }
  return key;
}

const sameKey = (a: Item, b: Item): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * What one stream record does to the index: INSERT and MODIFY put the new image under its index
 * key (and delete the old index item when the key changed or is gone, given the old image); REMOVE deletes.
 * Each write carries the source sequence number, so a replayed older record cannot overwrite a newer
 * one, and the source item's key, so one item's change never overwrites or deletes another's copy.
 */
export function indexChange(record: DynamoDBRecord, spec: IndexSpec): IndexChange {
  const stream = record.dynamodb ?? {};
  const sequence = stream.SequenceNumber;
  if (!sequence) return { kind: "poison", reason: "the record has no SequenceNumber" };
  const owner = itemKeyText(record);
  if (!owner) return { kind: "poison", reason: "the record has no Keys: an index item records which item of the table it copies" };
  const oldImage = stream.OldImage && toSdkItem(stream.OldImage);
  if (record.eventName === "REMOVE") {
    if (!oldImage) return { kind: "poison", reason: "REMOVE without OldImage: the table's stream view type must include old images to delete index items" };
    const key = keyOf(oldImage, spec);
    return key ? { kind: "delete", key, sequence, owner } : { kind: "skip", why: "the removed item had no index key" };
  }
  if (record.eventName !== "INSERT" && record.eventName !== "MODIFY")
    return { kind: "poison", reason: `eventName "${record.eventName}" is not INSERT, MODIFY or REMOVE` };
  if (!stream.NewImage) return { kind: "poison", reason: `${record.eventName} without NewImage: the table's stream view type must include new images` };
  const image = toSdkItem(stream.NewImage);
  const key = keyOf(image, spec);
  const oldKey = oldImage && keyOf(oldImage, spec);
  if (!key) {
    // The item lost its index key: the index item its old image had must go.
    if (oldKey) return { kind: "delete", key: oldKey, sequence, owner };
    return { kind: "skip", why: `the item has no (or an empty) ${spec.rangeKey ? `${spec.hashKey} and ${spec.rangeKey}` : spec.hashKey}` };
  }

  const clash = spec.attributes ? undefined : indexItemOwn(spec).find((name) => image[name] !== undefined);
  if (clash)
    return { kind: "poison", reason: `the item has an attribute named ${clash}, which the index item sets itself: list the attributes to copy (attributes)` };

  const item: Item = spec.attributes
    ? { ...Object.fromEntries(spec.attributes.filter((name) => image[name]).map((name) => [name, image[name]])), ...key }
    : { ...image };
  item[SOURCE_SEQUENCE] = { S: sortableSequence(sequence) };
  item[SOURCE_ITEM] = { S: owner };
  const changedAt = stream.ApproximateCreationDateTime;
  if (spec.ttlDays !== undefined && changedAt !== undefined) item[EXPIRES_AT] = { N: String(Math.floor(changedAt) + spec.ttlDays * 86_400) };

  return { kind: "put", item, sequence, owner, replaces: oldKey && !sameKey(oldKey, key) ? oldKey : undefined };
}
