package io.fleetlink.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** UnmountDataset's reply. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record UnmountDatasetResponse(String datasetId, boolean alreadyUnmounted) {
}
