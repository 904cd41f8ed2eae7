import { spawn } from "node:child_process";
import type { Command } from "commander";
import { parseCount } from "../options.js";
import type { Wrap } from "../program.js";

interface UiOptions {
  port: number;
  host: string;
  open?: boolean;
  allowActions?: boolean;
}

/** Best effort: a missing opener (a server without a desktop) only means the operator opens the URL by hand. */
function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", "", url]]
        : ["xdg-open", [url]];
  const child = spawn(command, args as string[], { stdio: "ignore", detached: true });
  child.on("error", () => undefined);
  child.unref();
}

/** `sessionkit ui`: serves the web inspector (@sessionkit/ui) over the store until SIGINT or SIGTERM. */
export function registerUi(program: Command, wrap: Wrap): void {
  program
    .command("ui")
    .description("Serve the web inspector on 127.0.0.1; prints the URL with its access token.")
    .option("-p, --port <n>", "TCP port (0: any free port)", parseCount("--port", 0, 65_535), 0)
    .option("--host <host>", "interface to bind (anything but 127.0.0.1 exposes the store)", "127.0.0.1")
    .option("--open", "open the URL in the default browser")
    .option("--allow-actions", "enable pause, resume, fail and prune (read-only otherwise)")
    .addHelpText(
      "after",
      "\nExamples:\n  sessionkit ui --store sqlite:./sessions.db --open\n  sessionkit ui --port 4983 --allow-actions",
    )
    .action(
      wrap<UiOptions>(async ({ out, open }, options) => {
        const { store, label } = await open({ create: false });
        const { startInspector } = await import("@sessionkit/ui");
        const inspector = await startInspector({
          store,
          port: options.port,
          host: options.host,
          allowActions: options.allowActions === true,
        });
        // The URL (token included) is printed once, here, and nowhere else.
        out.line(inspector.url);
        out.note(
          `Inspecting ${label}${options.allowActions ? " with actions enabled" : " read-only"}; Ctrl-C stops.`,
        );
        if (options.open) openInBrowser(inspector.url);
        await new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
        await inspector.close();
      }),
    );
}
