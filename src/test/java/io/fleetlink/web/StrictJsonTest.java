package io.fleetlink.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

import io.fleetlink.protocol.CleanupMachineRequest;
import io.fleetlink.protocol.ExecuteCommandRequest;

/**
 * The strict reading rules and the 400 message each failure gets, on a plain mapper configured as the
 * application's (no Quarkus, no root): the HTTP side of both transports is in BadInputCorpusTest.
 */
class StrictJsonTest {

    private static final ObjectMapper MAPPER = StrictJson.apply(new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES));

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {"user":"a","dry_run":""}                      | dry_run: must be a JSON boolean (true or false), not an empty string
            {"user":"a","dry_run":"true"}                  | dry_run: must be a JSON boolean (true or false)
            {"user":"a","dry_run":1}                       | dry_run: must be a JSON boolean (true or false), not a number
            {"user":"a","dry_run":true,"dry_run":false}    | dry_run: duplicate field; send each field once
            {"user":"a"} {"user":"b"}                      | body: unexpected content after the JSON value; send exactly one JSON object
            {"user":5}                                     | user: must be a JSON string, not a number
            {"user":"a","types":[null]}                    | types[0]: must not be null
            {"user":"a","types":"data"}                    | types: must be a JSON array
            []                                             | body: must be a JSON object
            {"user":"a","types":["data"                    | request body is not valid JSON: Unexpected end-of-input: expected close marker for Array
            """)
    void cleanupRequest(String body, String message) {
        assertThat(refusal(body, CleanupMachineRequest.class)).startsWith(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {"command":["/bin/true",null]}                         | command[1]: must not be null
            {"command":["/bin/true"],"timeout_seconds":"5"}        | timeout_seconds: must be a JSON integer
            {"command":["/bin/true"],"timeout_seconds":5.5}        | timeout_seconds: must be a JSON integer, not a number
            {"command":["/bin/true"],"env":{"LANG":null}}          | env[LANG]: must not be null
            {"command":["/bin/true"],"env":{"LANG":"C","LANG":"C"}} | env[LANG]: duplicate field; send each field once
            """)
    void execRequest(String body, String message) {
        assertThat(refusal(body, ExecuteCommandRequest.class)).isEqualTo(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {"user":"a","dry_run":null}    | null
            {"user":"a","dry_run":false}   | false
            """)
    void nullFieldStillMeansAbsent(String body, String dryRun) throws Exception {
        assertThat(String.valueOf(MAPPER.readValue(body, CleanupMachineRequest.class).dryRun())).isEqualTo(dryRun);
    }

    private static String refusal(String body, Class<?> type) {
        JsonProcessingException e = catchThrowableOfType(JsonProcessingException.class, () -> MAPPER.readValue(body, type));
        assertThat(e).as("refused: %s", body).isNotNull();
        return EnvelopeExceptionMappers.describeJson(e);
    }
}
