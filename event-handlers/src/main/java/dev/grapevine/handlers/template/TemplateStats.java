package dev.grapevine.handlers.template;

/**
 * Counters of one {@link TemplateWatcher}, taken at one moment.
 *
 * @param renders        renders that succeeded (whether or not the output changed)
 * @param writes         times the destination was replaced because the output changed
 * @param reloads        reload commands that exited 0
 * @param renderFailures renders that failed (the template hit an error); the old file was kept
 * @param writeFailures  writes that failed (I/O); the old file was kept
 * @param checkFailures  check commands that failed or timed out; the previous file was put back
 * @param reloadFailures reload commands that failed or timed out; retried at the next change
 */
public record TemplateStats(long renders, long writes, long reloads, long renderFailures, long writeFailures,
                            long checkFailures, long reloadFailures) {

    /** All failures together. */
    public long failures() {
        return renderFailures + writeFailures + checkFailures + reloadFailures;
    }
}
