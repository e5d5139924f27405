package dev.grapevine.roles;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.grapevine.ClusterEvent;
import dev.grapevine.ClusterListener;
import dev.grapevine.GossipNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code --tags-file}: the node's tags kept in a file as Serf's agent keeps them, a JSON object of strings,
 * restored at start and rewritten whenever the node's own tags change. The write is atomic (a temporary file in
 * the same directory, mode 0600 as Serf's, moved over the old one), so a crash never leaves half a file. The
 * {@code health} tag is neither written nor restored: the health checks own it and set it again at start.
 */
final class TagsFile implements ClusterListener {

    private static final Logger LOG = LoggerFactory.getLogger(TagsFile.class);
    private static final JsonFactory JSON = new JsonFactory();

    private final GossipNode node;
    private final Path file;
    private Map<String, String> written;

    private TagsFile(GossipNode node, Path file) {
        this.node = node;
        this.file = file;
    }

    /** Keeps {@code file} equal to {@code node}'s tags from now on (the listener is added to the node). */
    static TagsFile follow(GossipNode node, Path file) {
        TagsFile t = new TagsFile(node, file);
        node.addListener(t);
        return t;
    }

    @Override
    public void onEvent(ClusterEvent event) {
        if (event instanceof ClusterEvent.MemberUpdated u && u.member().name().equals(node.name())) {
            Map<String, String> tags = persisted(u.member().tags());
            if (!tags.equals(written)) {
                try {
                    write(file, tags);
                    written = tags;
                } catch (IOException e) {
                    LOG.error("{}: tags not written to {}: {}", node.name(), file, e.toString());
                }
            }
        }
    }

    private static Map<String, String> persisted(Map<String, String> tags) {
        Map<String, String> out = new TreeMap<>(tags); // sorted, as Go writes a map
        out.remove(Roles.HEALTH);
        return out;
    }

    /**
     * Reads a tags file: a JSON object whose values are strings.
     *
     * @throws IllegalArgumentException naming the file and the problem
     */
    static Map<String, String> read(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("--tags-file " + file + ": not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_STRING) {
                    throw new IllegalArgumentException("--tags-file " + file + ": tag '" + key
                            + "' must be a string");
                }
                out.put(key, p.getText());
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("--tags-file " + file + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("--tags-file " + file + ": cannot be read: " + e.getMessage(), e);
        }
        out.remove(Roles.HEALTH);
        return out;
    }

    /** Writes {@code tags} to {@code file} atomically, indented as Serf writes it. */
    static void write(Path file, Map<String, String> tags) throws IOException {
        StringBuilder sb = new StringBuilder("{");
        JsonStringEncoder enc = JsonStringEncoder.getInstance();
        String sep = "\n";
        for (Map.Entry<String, String> e : tags.entrySet()) {
            sb.append(sep).append("  \"").append(enc.quoteAsString(e.getKey())).append("\": \"")
                    .append(enc.quoteAsString(e.getValue())).append('"');
            sep = ",\n";
        }
        sb.append(tags.isEmpty() ? "}" : "\n}");
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: its default permissions
            }
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
