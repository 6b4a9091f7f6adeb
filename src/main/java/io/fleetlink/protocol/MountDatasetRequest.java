package io.fleetlink.protocol;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** MountDataset: mount a dataset at {@code <mount-root>/<dataset_id>}. */
public record MountDatasetRequest(
        @NotBlank @Pattern(regexp = Names.DATASET_ID, message = Names.DATASET_ID_RULE) String datasetId,
        @NotBlank @Size(max = 4096) String source,
        @Pattern(regexp = "[a-z0-9.]{1,32}", message = "must be a file system type such as bind or nfs4") String fsType,
        Boolean readOnly,
        @Size(max = 1024) @Pattern(regexp = "[A-Za-z0-9_=.:,/+-]*", message = "must be comma-separated mount options of letters, digits and _ = . : / + -") String options) {
}
