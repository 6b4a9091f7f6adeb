package io.fleetlink.web;

import java.util.Comparator;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.validation.ConstraintViolation;

/**
 * Renders bean-validation failures as "field: rule" with the wire (snake_case) field names, so a
 * caller of either transport reads the name it sent.
 */
public final class RequestValidation {

    private RequestValidation() {
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
