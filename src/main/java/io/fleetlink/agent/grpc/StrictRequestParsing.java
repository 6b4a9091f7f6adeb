package io.fleetlink.agent.grpc;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;

/**
 * Makes a request message that does not parse (truncated bytes, a string field that is not UTF-8)
 * an {@code INVALID_ARGUMENT} naming the field, like a bad JSON body on HTTP. grpc-java parses a
 * request before any listener runs and answers {@code UNKNOWN "Application error processing RPC"}
 * when that fails, out of reach of interceptors; so each method here takes the raw bytes off the
 * wire and parses them itself, inside the call, where a failure can close it with the right status.
 * Interceptors (the {@link AgentGrpcGate} included) still run before anything is parsed.
 */
final class StrictRequestParsing {

    private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes(); // the transport already capped the message size
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private StrictRequestParsing() {
    }

    /** {@code definition} with every method reading raw bytes and parsing them as described above. */
    static ServerServiceDefinition of(ServerServiceDefinition definition) {
        ServiceDescriptor original = definition.getServiceDescriptor();
        ServiceDescriptor.Builder service = ServiceDescriptor.newBuilder(original.getName())
                .setSchemaDescriptor(original.getSchemaDescriptor());
        List<ServerMethodDefinition<byte[], ?>> methods = definition.getMethods().stream()
                .<ServerMethodDefinition<byte[], ?>>map(StrictRequestParsing::raw)
                .toList();
        methods.forEach(method -> service.addMethod(method.getMethodDescriptor()));
        ServerServiceDefinition.Builder strict = ServerServiceDefinition.builder(service.build());
        methods.forEach(strict::addMethod);
        return strict.build();
    }

    private static <Q, R> ServerMethodDefinition<byte[], R> raw(ServerMethodDefinition<Q, R> method) {
        MethodDescriptor<Q, R> typed = method.getMethodDescriptor();
        MethodDescriptor<byte[], R> wire = typed.toBuilder(RAW, typed.getResponseMarshaller()).build();
        ServerCallHandler<Q, R> next = method.getServerCallHandler();
        ServerCallHandler<byte[], R> handler = (call, headers) -> {
            ServerCall<Q, R> typedCall = new ForwardingServerCall.SimpleForwardingServerCall<Q, R>(castCall(call)) {
                @Override
                public MethodDescriptor<Q, R> getMethodDescriptor() {
                    return typed;
                }
            };
            return new ParsingListener<>(call, typed, next.startCall(typedCall, headers));
        };
        return ServerMethodDefinition.create(wire, handler);
    }

    /** The handler below only sends responses through it, whose type did not change. */
    @SuppressWarnings("unchecked")
    private static <Q, R> ServerCall<Q, R> castCall(ServerCall<byte[], R> call) {
        return (ServerCall<Q, R>) (ServerCall<?, R>) call;
    }

    /** Parses each message and hands it on; a message that does not parse ends the call there. */
    private static final class ParsingListener<Q, R> extends ServerCall.Listener<byte[]> {

        private final ServerCall<byte[], R> call;
        private final MethodDescriptor<Q, R> method;
        private final ServerCall.Listener<Q> next;
        private boolean refused;

        ParsingListener(ServerCall<byte[], R> call, MethodDescriptor<Q, R> method, ServerCall.Listener<Q> next) {
            this.call = call;
            this.method = method;
            this.next = next;
        }

        @Override
        public void onMessage(byte[] message) {
            if (refused) {
                return;
            }
            Q parsed;
            try {
                parsed = method.parseRequest(new ByteArrayInputStream(message));
            } catch (RuntimeException e) {
                refused = true;
                call.close(Status.INVALID_ARGUMENT.withDescription(describe(method, message, e)), new Metadata());
                return;
            }
            next.onMessage(parsed);
        }

        @Override
        public void onHalfClose() {
            if (!refused) { // the service never saw a request: telling it the stream ended would be a second close
                next.onHalfClose();
            }
        }

        @Override
        public void onCancel() {
            next.onCancel();
        }

        @Override
        public void onComplete() {
            next.onComplete();
        }

        @Override
        public void onReady() {
            next.onReady();
        }
    }

    /** Names the string field whose bytes are not UTF-8 when there is one, else says the message is malformed. */
    static String describe(MethodDescriptor<?, ?> method, byte[] message, Throwable failure) {
        if (method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> prototype
                && prototype.getMessagePrototype() instanceof Message typed) {
            Descriptors.Descriptor type = typed.getDescriptorForType();
            String field = invalidUtf8Field(type, ByteString.copyFrom(message), "");
            if (field != null) {
                return field + ": is not valid UTF-8 (a protobuf string field must be)";
            }
            return "request: not a valid " + type.getFullName() + " message: " + rootMessage(failure);
        }
        return "request: not a valid request message: " + rootMessage(failure);
    }

    private static String invalidUtf8Field(Descriptors.Descriptor type, ByteString bytes, String prefix) {
        UnknownFieldSet fields;
        try {
            fields = UnknownFieldSet.parseFrom(bytes); // reads the wire format only, without checking strings
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
        for (var entry : fields.asMap().entrySet()) {
            Descriptors.FieldDescriptor field = type.findFieldByNumber(entry.getKey());
            if (field == null) {
                continue;
            }
            List<ByteString> values = entry.getValue().getLengthDelimitedList();
            for (int i = 0; i < values.size(); i++) {
                String name = prefix + field.getName() + (field.isRepeated() && !field.isMapField() ? "[" + i + "]" : "");
                if (field.getType() == Descriptors.FieldDescriptor.Type.STRING && !values.get(i).isValidUtf8()) {
                    return name;
                }
                if (field.getType() == Descriptors.FieldDescriptor.Type.MESSAGE) {
                    // a map entry is a message of key and value: "env" then names the map, "env.key" its entry's key
                    String inner = invalidUtf8Field(field.getMessageType(), values.get(i), name + ".");
                    if (inner != null) {
                        return inner;
                    }
                }
            }
        }
        return null;
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return String.valueOf(root.getMessage());
    }
}
