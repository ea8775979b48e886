/** `npm test`'s first step (`pretest`): the system tools the tests need, installed or explained. */
import { spawn } from "node:child_process";
import { ensureSystemTools, readOsRelease } from "./system-tools";

try {
  await ensureSystemTools({
    pathVariable: process.env.PATH ?? "",
    isRoot: process.getuid?.() === 0,
    osRelease: readOsRelease(),
    run: (command, args, env) =>
      new Promise((resolve, reject) => {
        const child = spawn(command, args, {
          stdio: ["ignore", "inherit", "inherit"],
          env: { ...process.env, ...env },
        });
        child.once("error", reject);
        child.once("exit", (code) => resolve(code ?? 1));
      }),
    log: (line) => console.log(line),
  });
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
