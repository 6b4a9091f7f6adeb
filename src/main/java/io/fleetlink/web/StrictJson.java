package io.fleetlink.web;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;

import io.quarkus.jackson.ObjectMapperCustomizer;

/**
 * Makes the one ObjectMapper of both roles read JSON strictly, so a request means exactly what it
 * says: a value of the wrong JSON type, a duplicate key, content after the value or a null inside a
 * list or map is a 400 naming the field (see {@link EnvelopeExceptionMappers}), never a guess. A root
 * agent that read {@code "dry_run": ""} or {@code "false"} as a boolean once deleted data it was only
 * asked to list.
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        apply(mapper);
    }

    /** The settings, on any mapper; tests apply them to a plain one. */
    public static ObjectMapper apply(ObjectMapper mapper) {
        // Booleans, integers and floats only from their own JSON type: "true", "", "5", 1 for a boolean and
        // 5.5 for an integer all fail (an explicit config, so no default of a later Jackson can loosen it).
        mapper.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        mapper.configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);
        for (LogicalType type : new LogicalType[] {LogicalType.Boolean, LogicalType.Integer, LogicalType.Float}) {
            mapper.coercionConfigFor(type)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Boolean)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Integer)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        // Strings only from JSON strings: 5 or true for a user name is a caller's bug, not a name.
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        // Two values for one key: which one wins is up to the parser, so refuse to choose.
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        // "{...} {...}" or "{...}x" is not one request.
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        // null inside a list or map ("authorized_keys": ["ssh-ed25519 ...", null]) fails while reading, with
        // the index in the path; a null field itself still means "absent" and takes the documented default.
        mapper.setDefaultSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL));
        return mapper;
    }
}
