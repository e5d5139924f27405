package dev.grapevine.handlers;

/**
 * Counters of one handler.
 *
 * @param handler     its description (the spec of a script, the class and filter of a Java handler)
 * @param invocations how many times it ran (a script run for a batch of member events counts once)
 * @param events      how many events it was given
 * @param failures    runs that failed: non-zero exit, exception, or a script that could not start
 * @param timeouts    runs stopped at the timeout (the script's process tree killed, or the thread interrupted)
 * @param dropped     events dropped, oldest first, because its queue was full
 * @param queued      events waiting now
 */
public record HandlerStats(String handler, long invocations, long events, long failures, long timeouts,
                           long dropped, int queued) {
}
