package io.fleetlink.controller.api;

import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.Validator;

import io.fleetlink.web.RequestValidation;

/**
 * Checks what callers of the controller API send before anything is stored or sent to an agent:
 * bean validation of request bodies and the shape of ids in paths and queries. Every failure is a
 * 400 naming the field (snake_case, as sent) and the rule.
 */
@ApplicationScoped
public class RequestChecks {

    private final Validator validator;

    public RequestChecks(Validator validator) {
        this.validator = validator;
    }

    /** The request itself when valid; otherwise a 400 listing every broken rule. */
    public <T> T valid(T request) {
        RequestValidation.violations(validator, request).ifPresent(message -> {
            throw new ControllerException(ControllerException.Kind.INVALID, message);
        });
        return request;
    }

    /** {@code value} when it matches {@code regex}; otherwise a 400 naming {@code field}. */
    public static String id(String field, String value, String regex, String rule) {
        if (value == null || value.isEmpty()) {
            throw ControllerException.invalid(field, "must not be empty");
        }
        if (!Pattern.matches(regex, value)) {
            throw ControllerException.invalid(field, rule);
        }
        return value;
    }

    /** The enum constant {@code value} names (case-insensitive); otherwise a 400 listing the allowed values. */
    public static <E extends Enum<E>> E oneOf(String field, String value, Class<E> type) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value)) {
                return constant;
            }
        }
        throw ControllerException.invalid(field, "must be one of " + java.util.Arrays.toString(type.getEnumConstants()));
    }
}
