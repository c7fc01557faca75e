declare module "kinesalite" {
  import type { Server } from "node:net";
  /** npm `kinesalite`: an in-memory Kinesis Data Streams server. */
  export default function kinesalite(options?: { createStreamMs?: number; deleteStreamMs?: number; updateStreamMs?: number; shardLimit?: number }): Server;
}
