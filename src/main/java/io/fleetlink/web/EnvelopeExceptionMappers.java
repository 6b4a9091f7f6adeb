package io.fleetlink.web;

import java.util.stream.Collectors;

import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import io.quarkus.logging.Log;

/**
 * Turns every failure of an HTTP request into the envelope, with the HTTP status equal to its code
 * and a message that names what was wrong. Unexpected failures are logged here, once.
 */
public class EnvelopeExceptionMappers {

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
        if (e instanceof InvalidFormatException format) {
            return path(format) + ": cannot read '" + format.getValue() + "' as " + simpleName(format.getTargetType());
        }
        if (e instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
            return path(mismatch) + ": must be " + describeType(mismatch.getTargetType());
        }
        if (e instanceof JsonParseException parse) {
            return "request body is not valid JSON: " + parse.getOriginalMessage()
                    + " at line " + parse.getLocation().getLineNr() + ", column " + parse.getLocation().getColumnNr();
        }
        return "request body is not valid JSON for this endpoint: " + e.getOriginalMessage();
    }

    private static String path(JsonMappingException e) {
        String path = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
        return path.isEmpty() ? "body" : path;
    }

    private static String describeType(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a JSON array";
        }
        if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "a JSON object";
        }
        return "a " + simpleName(type);
    }

    private static String simpleName(Class<?> type) {
        if (type == null) {
            return "the expected type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        return type.getSimpleName();
    }

    private static String lowerFirst(String s) {
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
