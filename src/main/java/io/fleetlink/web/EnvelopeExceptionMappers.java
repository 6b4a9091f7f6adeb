package io.fleetlink.web;

import java.util.Collection;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import io.quarkus.logging.Log;

/**
 * Turns every failure of an HTTP request into the envelope, with the HTTP status equal to its code
 * and a message that names what was wrong. Unexpected failures are logged here, once.
 */
public class EnvelopeExceptionMappers {

    /** Jackson's wording for a key sent twice (JsonParser.Feature.STRICT_DUPLICATE_DETECTION). */
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '(.*)'", Pattern.DOTALL);
    private static final String DUPLICATE_RULE = ": duplicate field; send each field once";

    @ServerExceptionMapper
    public RestResponse<Envelope<Void>> validation(ConstraintViolationException e) {
        return Envelopes.response(400, RequestValidation.describe(e.getConstraintViolations()));
    }

    @ServerExceptionMapper
    public RestResponse<Envelope<Void>> json(JsonProcessingException e) {
        return Envelopes.response(400, describeJson(e));
    }

    /**
     * Declared for the exact type because quarkus-rest-jackson ships a built-in mapper for it, and the
     * closest type wins: without this one a wrong type or an unknown field would answer Quarkus's own
     * body instead of the envelope.
     */
    @ServerExceptionMapper
    public RestResponse<Envelope<Void>> mismatchedInput(MismatchedInputException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public RestResponse<Envelope<Void>> web(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException json) {
            return json(json);
        }
        int status = e.getResponse().getStatus();
        String message = e.getMessage() == null ? "HTTP " + status : e.getMessage();
        return Envelopes.response(status, lowerFirst(message));
    }

    @ServerExceptionMapper
    public RestResponse<Envelope<Void>> unexpected(Throwable e) {
        Log.error("Unexpected failure while serving a request", e);
        return Envelopes.response(500, "internal error: " + e.getClass().getSimpleName()
                + "; see the server log for details");
    }

    static String describeJson(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            return path(unknown) + ": unknown field; accepted fields are " + unknown.getKnownPropertyIds();
        }
        if (e instanceof InvalidNullException nul) {
            return path(nul) + ": must not be null";
        }
        if (e instanceof InvalidFormatException format) {
            return path(format) + ": must be " + describeType(format.getTargetType()) + ", not " + describeValue(format.getValue());
        }
        if (e instanceof MismatchedInputException mismatch) {
            if (mismatch.getPath().isEmpty() && String.valueOf(mismatch.getOriginalMessage()).startsWith("Trailing token")) {
                return "body: unexpected content after the JSON value; send exactly one JSON object";
            }
            return path(mismatch) + ": must be " + describeType(mismatch.getTargetType());
        }
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            Matcher duplicate = duplicate(mapping.getCause());
            if (duplicate != null) { // a key sent twice inside a map field (the only objects nested in a request)
                return path(mapping) + "[" + duplicate.group(1) + "]" + DUPLICATE_RULE;
            }
            if (mapping.getCause() instanceof JsonParseException syntax) { // broken JSON inside a field's value
                return describeJson(syntax);
            }
            // e.g. a number out of range for its field; the parser's message says which range
            return path(mapping) + ": " + mapping.getOriginalMessage();
        }
        if (e instanceof JsonParseException parse) {
            Matcher duplicate = duplicate(parse);
            if (duplicate != null) {
                return duplicate.group(1) + DUPLICATE_RULE;
            }
            return "request body is not valid JSON: " + parse.getOriginalMessage()
                    + " at line " + parse.getLocation().getLineNr() + ", column " + parse.getLocation().getColumnNr();
        }
        return "request body is not valid JSON for this endpoint: " + e.getOriginalMessage();
    }

    private static Matcher duplicate(Throwable e) {
        if (e instanceof JsonParseException parse) {
            Matcher matcher = DUPLICATE.matcher(String.valueOf(parse.getOriginalMessage()));
            return matcher.matches() ? matcher : null;
        }
        return null;
    }

    private static String path(JsonMappingException e) {
        String path = e.getPath().stream()
                // a map key is the caller's text, not a field: "env[LANG]", as bean validation and the agent name it
                .map(ref -> ref.getFrom() instanceof Map<?, ?> ? "[" + ref.getFieldName() + "]"
                        : ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
        return path.isEmpty() ? "body" : path;
    }

    private static String describeType(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a JSON array";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "a JSON object";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a JSON integer";
        }
        if (type == Double.class || type == double.class || type == Float.class || type == float.class) {
            return "a JSON number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a JSON boolean (true or false)";
        }
        if (type == String.class) {
            return "a JSON string";
        }
        return "a " + type.getSimpleName();
    }

    /** What the caller sent instead, by JSON type only: the value itself may be a secret or very long. */
    private static String describeValue(Object value) {
        if (value instanceof String text) {
            return text.isEmpty() ? "an empty string" : "a string";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        if (value instanceof Number) {
            return "a number";
        }
        return "another JSON type";
    }

    private static String lowerFirst(String s) {
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
