package dev.grapevine.roles.cli;

/** Ends a command: an exit status and a one-line reason (or, with status 0, a help text for standard output). */
final class CliException extends RuntimeException {
    private final int status;

    CliException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** The process's exit status. */
    int status() {
        return status;
    }
}
