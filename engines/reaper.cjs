// Kills one engine server (by process id) when the process that started it goes away, however it
// goes: a crash, SIGTERM or SIGKILL end that process without running its "exit" handlers, but they
// always close this watcher's IPC channel.
"use strict";

const pid = Number(process.argv[2]);
process.on("disconnect", () => {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
  process.exit(0);
});
