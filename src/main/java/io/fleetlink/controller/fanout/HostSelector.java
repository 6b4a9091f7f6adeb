package io.fleetlink.controller.fanout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.fleetlink.controller.api.ControllerException;

/**
 * A label selector as operators write it for {@code kubectl -l}: terms separated by commas, all of which
 * must hold. {@code key=value} (the label has that value), {@code key!=value} (it has not: absent or
 * another value), {@code key} (the label is set), {@code !key} (it is not).
 */
public record HostSelector(List<Term> terms) {

    public static final String RULE = "must be comma-separated terms key=value, key!=value, key or !key, "
            + "with label names as registered ([A-Za-z0-9][A-Za-z0-9._/-]{0,62}) and values without ','";

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,62}");

    public enum Op {
        EQUALS, NOT_EQUALS, EXISTS, ABSENT
    }

    public record Term(String key, Op op, String value) {

        boolean matches(Map<String, String> labels) {
            String actual = labels.get(key);
            return switch (op) {
                case EQUALS -> value.equals(actual);
                case NOT_EQUALS -> !value.equals(actual);
                case EXISTS -> actual != null;
                case ABSENT -> actual == null;
            };
        }
    }

    /** Parses {@code text}; a malformed selector is a 400 that quotes the term and the rule. */
    public static HostSelector parse(String text) {
        if (text == null || text.isBlank()) {
            throw ControllerException.invalid("selector", RULE);
        }
        List<Term> terms = new ArrayList<>();
        for (String raw : text.split(",", -1)) {
            terms.add(term(raw.strip()));
        }
        return new HostSelector(List.copyOf(terms));
    }

    private static Term term(String raw) {
        Term term;
        int notEquals = raw.indexOf("!=");
        int equals = raw.indexOf('=');
        if (notEquals > 0) {
            term = new Term(raw.substring(0, notEquals).strip(), Op.NOT_EQUALS, raw.substring(notEquals + 2).strip());
        } else if (equals > 0) {
            term = new Term(raw.substring(0, equals).strip(), Op.EQUALS, raw.substring(equals + 1).strip());
        } else if (raw.startsWith("!")) {
            term = new Term(raw.substring(1).strip(), Op.ABSENT, null);
        } else {
            term = new Term(raw, Op.EXISTS, null);
        }
        boolean valueOk = term.value() == null || !term.value().isEmpty() && !term.value().contains("=");
        if (!KEY.matcher(term.key()).matches() || !valueOk) {
            throw ControllerException.invalid("selector", "term '" + raw + "' " + RULE);
        }
        return term;
    }

    public boolean matches(Map<String, String> labels) {
        Map<String, String> present = labels == null ? Map.of() : labels;
        return terms.stream().allMatch(term -> term.matches(present));
    }
}
