package dev.grapevine.roles;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small JSON documents (configuration files, admin API bodies) read with Jackson's streaming parser into plain
 * maps, lists, strings, numbers, booleans and nulls. A key given twice in one object is an error, as is anything
 * after the document.
 */
public final class JsonTree {

    private static final JsonFactory JSON = new JsonFactory();

    private JsonTree() {
    }

    /**
     * The JSON object in {@code bytes} (UTF-8).
     *
     * @throws IOException naming the problem and where it is, when the text is not one JSON object
     */
    public static Map<String, Object> parseObject(byte[] bytes) throws IOException {
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new JsonProcessingException("expected a JSON object", p.currentLocation()) {
                };
            }
            Map<String, Object> out = object(p);
            if (p.nextToken() != null) {
                throw new JsonProcessingException("text after the JSON object", p.currentLocation()) {
                };
            }
            return out;
        }
    }

    /**
     * The JSON value in {@code bytes} (UTF-8): a map, list, string, number, boolean or null.
     *
     * @throws IOException naming the problem and where it is, when the text is not one JSON value
     */
    public static Object parse(byte[] bytes) throws IOException {
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() == null) {
                throw new JsonProcessingException("no JSON value", p.currentLocation()) {
                };
            }
            Object out = value(p);
            if (p.nextToken() != null) {
                throw new JsonProcessingException("text after the JSON value", p.currentLocation()) {
                };
            }
            return out;
        }
    }

    /** The object whose START_OBJECT {@code p} just read. */
    public static Map<String, Object> object(JsonParser p) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            if (out.put(name, value(p)) != null) {
                throw new JsonProcessingException("key '" + name + "' given twice", p.currentLocation()) {
                };
            }
        }
        return out;
    }

    /** The value whose first token {@code p} just read. */
    public static Object value(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT:
                return object(p);
            case START_ARRAY: {
                List<Object> out = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    out.add(value(p));
                }
                return out;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return p.getNumberValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            default:
                return null;
        }
    }
}
