import { Command, CommanderError } from "commander";
import { registerInspect } from "./commands/inspect.js";
import { registerList } from "./commands/list.js";
import { registerMigrate } from "./commands/migrate.js";
import { registerPrune } from "./commands/prune.js";
import { registerShow } from "./commands/show.js";
import { registerStats } from "./commands/stats.js";
import { registerTail } from "./commands/tail.js";
import { registerTransfer } from "./commands/transfer.js";
import { registerUi } from "./commands/ui.js";
import { EXIT, exitCodeOf, formatError } from "./errors.js";
import type { GlobalOptions } from "./options.js";
import { createOutput, type Format, type Output } from "./output.js";
import { type OpenedStore, type OpenOptions, openStore } from "./stores.js";

/** What a verb's action gets: the output, the global options, and stores it opens (closed after it). */
export interface VerbContext {
  out: Output;
  global: GlobalOptions;
  /** Opens `url` (default: --store / SESSIONKIT_STORE / fs:./sessions); closed when the verb ends. */
  open(options: OpenOptions, url?: string): Promise<OpenedStore>;
}

/** A verb's body; returns its exit code (0 when it returns nothing). */
export type VerbAction<O> = (
  context: VerbContext,
  options: O,
  ...args: string[]
) => Promise<number | undefined> | Promise<void>;

/** Wraps a verb's body for commander: one context per run, stores closed, exit code recorded. */
export type Wrap = <O>(action: VerbAction<O>) => (...args: unknown[]) => Promise<void>;

/** The version printed by --version. */
export const VERSION = "0.1.0";

/** Builds the `sessionkit` program; `setExit` receives the verb's exit code. */
export function createProgram(setExit: (code: number) => void): Command {
  const program = new Command("sessionkit")
    .description("See, operate, verify, repair and move sessionkit sessions on any store.")
    .version(VERSION)
    .option(
      "-s, --store <url>",
      "fs:DIR (default fs:./sessions), sqlite:FILE, postgres://…?schema=NAME; or SESSIONKIT_STORE",
    )
    .option("--adapter <module>", "a module exporting createStore({ url }) for a third-party store")
    .option("--json", "print one JSON document")
    .option("--jsonl", "print JSON Lines (one item per line)")
    .option("--no-color", "no colours")
    .option("--debug", "print stack traces of errors")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(text.startsWith("error") ? text : `error ERR_USAGE: ${text}`),
    });

  const wrap: Wrap =
    <O>(action: VerbAction<O>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const options = command.opts() as O;
      const global = command.optsWithGlobals() as GlobalOptions;
      const format: Format = global.jsonl ? "jsonl" : global.json ? "json" : "table";
      const out = createOutput(format, global.color !== false);
      const opened: OpenedStore[] = [];
      const context: VerbContext = {
        out,
        global,
        async open(openOptions, url) {
          const store = await openStore(url ?? global.store, global.adapter, openOptions);
          opened.push(store);
          return store;
        },
      };
      try {
        const positional = args.slice(0, -2).filter((value): value is string => typeof value === "string");
        setExit((await action(context, options, ...positional)) ?? EXIT.ok);
      } catch (error) {
        out.note(formatError(error));
        if (global.debug && error instanceof Error) out.note(error.stack ?? "");
        setExit(exitCodeOf(error));
      } finally {
        for (const store of opened.reverse()) await store.store.close().catch(() => undefined);
      }
    };

  registerList(program, wrap);
  registerShow(program, wrap);
  registerTail(program, wrap);
  registerStats(program, wrap);
  registerPrune(program, wrap);
  registerTransfer(program, wrap);
  registerMigrate(program, wrap);
  registerInspect(program, wrap);
  registerUi(program, wrap);
  for (const command of program.commands)
    command.exitOverride().showHelpAfterError("(run with --help for usage)");
  return program;
}

/** Runs the CLI on `argv` (process.argv shape) and resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = createProgram((value) => {
    code = value;
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.exitCode === 0
      )
        return EXIT.ok;
      // `sessionkit` alone prints the help to stderr; that is a usage error like any other.
      return EXIT.usage;
    }
    process.stderr.write(`${formatError(error)}\n`);
    return exitCodeOf(error);
  }
  return code;
}
