package io.nvent.web.internal.rest;

import io.nvent.FlowService;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.function.BiPredicate;

/**
 * A {@link FlowService} that answers as another does, but refuses the calls a test picks with the exception it
 * gives: an engine over a store adapter that cannot do something, without writing that adapter.
 */
final class RefusingFlowService {

    private RefusingFlowService() {
    }

    /**
     * @param flows the service that answers the other calls
     * @param refused which calls to refuse, by method and arguments
     * @param refusal what a refused call throws
     */
    static FlowService refusing(FlowService flows, BiPredicate<Method, Object[]> refused, RuntimeException refusal) {
        return (FlowService) Proxy.newProxyInstance(RefusingFlowService.class.getClassLoader(),
                new Class<?>[] {FlowService.class}, (proxy, method, args) -> {
                    if (method.getName().equals("actingAs")) {
                        return proxy;   // the operator's record is the engine's, tested there
                    }
                    if (refused.test(method, args)) {
                        throw refusal;
                    }
                    try {
                        return method.invoke(flows, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
