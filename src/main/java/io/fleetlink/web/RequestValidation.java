package io.fleetlink.web;

import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

/**
 * Checks a request body with bean validation and renders the failures as "field: rule" with the
 * wire (snake_case) field names, so a caller of either transport or either role reads the name it
 * sent. Each role turns the message into its own 400.
 */
public final class RequestValidation {

    private RequestValidation() {
    }

    /** What is wrong with {@code request} (a missing body included), or empty when it is valid. */
    public static Optional<String> violations(Validator validator, Object request) {
        if (request == null) {
            return Optional.of("body: a JSON object is required");
        }
        Set<ConstraintViolation<Object>> violations = validator.validate(request);
        return violations.isEmpty() ? Optional.empty() : Optional.of(describe(violations));
    }

    public static String describe(Set<? extends ConstraintViolation<?>> violations) {
        return violations.stream()
                .map(v -> wireName(v.getPropertyPath().toString()) + ": " + v.getMessage())
                .sorted(Comparator.naturalOrder())
                .collect(Collectors.joining("; "));
    }

    /** {@code gracePeriodSeconds} becomes {@code grace_period_seconds}; an empty path is the body. */
    static String wireName(String propertyPath) {
        return propertyPath.isEmpty() ? "body" : snake(propertyPath);
    }

    private static String snake(String name) {
        StringBuilder out = new StringBuilder(name.length() + 4);
        boolean inKey = false; // map keys and indexes ("env[PATH]") are the caller's text, kept as sent
        for (char c : name.toCharArray()) {
            if (c == '[' || c == ']') {
                inKey = c == '[';
                out.append(c);
            } else if (!inKey && Character.isUpperCase(c)) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
