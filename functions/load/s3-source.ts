import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { type CreatedObject } from "./event";

/** Opens an archive object for LOAD DATA LOCAL, as a stream, unzipping `.gz` objects on the way. */
export function s3Opener(s3: Pick<S3Client, "send">): (object: CreatedObject) => Promise<Readable> {
  return async (object) => {
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }));
    if (!(Body instanceof Readable)) throw new Error(`s3://${object.bucket}/${object.key} has no readable body`);
    return object.key.endsWith(".gz") ? Body.pipe(createGunzip()) : Body;
  };
}
