package io.fleetlink.protocol;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

/** UnmountDataset. */
public record UnmountDatasetRequest(
        @NotBlank @Pattern(regexp = Names.DATASET_ID, message = Names.DATASET_ID_RULE) String datasetId) {
}
