package dev.latchkey.http;

import java.time.Duration;

import jakarta.annotation.Priority;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.error.ApiException;
import io.smallrye.mutiny.Uni;

/** See {@link Deadline}. */
@Deadline
@Interceptor
@Priority(Interceptor.Priority.PLATFORM_BEFORE)
public class DeadlineInterceptor {

    private final Duration deadline;

    public DeadlineInterceptor(LatchkeyConfig config) {
        this.deadline = config.requestDeadline();
    }

    @AroundInvoke
    Object bound(InvocationContext invocation) throws Exception {
        Object result = invocation.proceed();
        if (result instanceof Uni<?> work) {
            return within(work, deadline);
        }
        return result;
    }

    /** The work's outcome, or 503 once the deadline passes; the work is not cancelled. */
    public static <T> Uni<T> within(Uni<T> work, Duration deadline) {
        return Uni.createFrom().<T>emitter(emitter -> work.subscribe().with(emitter::complete, emitter::fail))
                .ifNoItem().after(deadline).failWith(() -> ApiException.unavailable(5));
    }
}
