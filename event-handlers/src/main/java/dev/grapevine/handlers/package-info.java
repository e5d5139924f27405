/**
 * Event handlers: Serf-compatible script handlers ({@link dev.grapevine.handlers.HandlerSpec},
 * {@link dev.grapevine.handlers.ScriptHandlers}) and Java handlers ({@link dev.grapevine.handlers.EventHandler}),
 * both run by an {@link dev.grapevine.handlers.EventDispatcher} with Serf's filters, per-handler ordering,
 * timeouts and failure isolation.
 */
package dev.grapevine.handlers;
