// Types of scripts/system-deps.js (plain JS so that `npm test` can run it before anything is compiled).

export type SystemProgram = "java" | "redis-server" | "chromium" | "openssl";

export interface ProvideOptions {
  /** Who needs the programs, for the messages ("npm start --store redis"). */
  needs?: string;
  /** A way around the install, added to the refusal ("run with --store redis"). */
  hint?: string;
  /** Where the progress lines go (default: stderr). */
  log?: (line: string) => void;
  /** Whether to install (default: running as root). */
  root?: boolean;
}

export class MissingProgramError extends Error {}

export const PROGRAMS: Record<SystemProgram, { pkg: string; why: string; elsewhere?: string; check(): string | null }>;

export function aptCommand(pkgs: string[], sudo: boolean): string;

/** Installs the missing programs as root with apt-get; otherwise throws a MissingProgramError with the exact command. */
export function provide(names: SystemProgram[], o?: ProvideOptions): { installed: string[] };

/** provide() for a script: prints the MissingProgramError and exits with `exitCode`. */
export function ensure(names: SystemProgram[], exitCode?: number, o?: ProvideOptions): { installed: string[] };
