`timescale 1ns/1ps
// Self-checking testbench for gcd (start/busy/done handshake).
// Inputs are driven right after the falling edge; outputs are checked at the
// falling edge (half a cycle after the rising edge that updated them).
module tb;
    reg         clk;
    reg         rst, start;
    reg  [15:0] a, b;
    wire        busy, done;
    wire [15:0] result;

    localparam MAX_LATENCY = 70000;   // per operation, from the spec

    integer seed;
    integer checks;
    integer mismatches;
    integer cycles;
    integer i;
    integer ops;
    reg [15:0] expected;
    reg [15:0] last_result;
    reg [15:0] x, y, k;

    initial seed = 42;

    gcd dut (
        .clk    (clk),
        .rst    (rst),
        .start  (start),
        .a      (a),
        .b      (b),
        .busy   (busy),
        .done   (done),
        .result (result)
    );

    initial clk = 1'b0;
    always #5 clk = ~clk;

    // global watchdog
    always @(posedge clk) begin
        cycles = cycles + 1;
        if (cycles > 200000) begin
            $display("watchdog: simulation ran past the cycle limit");
            $display("RESULT: FAIL mismatches=%0d checks=%0d", mismatches + 1, checks);
            $finish;
        end
    end

    // golden model: Euclid with remainders (independent of the DUT algorithm)
    function [15:0] golden;
        input [15:0] p;
        input [15:0] q;
        reg [15:0] t;
        begin
            while (q != 16'd0) begin
                t = p % q;
                p = q;
                q = t;
            end
            golden = p;
        end
    endfunction

    task fail;
        input [8*40-1:0] what;
        begin
            mismatches = mismatches + 1;
            if (mismatches <= 5)
                $display("MISMATCH cycle=%0d %0s: busy=%b done=%b result=%0d (expected result %0d)",
                         cycles, what, busy, done, result, expected);
        end
    endtask

    // Issue one request (called right after a falling edge while busy == 0)
    // and wait for done. If poke is set, start is pulsed with other operands
    // while busy (it must be ignored).
    task run_op;
        input [15:0] opa;
        input [15:0] opb;
        input        poke;
        integer n;
        reg ok;
        begin
            start = 1'b1; a = opa; b = opb;
            expected = golden(opa, opb);
            ops = ops + 1;
            @(negedge clk);
            start = 1'b0; a = $random(seed); b = $random(seed);
            checks = checks + 1;
            if (busy !== 1'b1 || done !== 1'b0) fail("not busy after start");
            ok = 1'b1;
            n = 1;
            while (done !== 1'b1) begin
                if (poke && n == 2) begin
                    start = 1'b1; a = 16'd12; b = 16'd18;
                end else begin
                    start = 1'b0;
                end
                @(negedge clk);
                n = n + 1;
                if (done !== 1'b1 && busy !== 1'b1 && ok) begin
                    fail("busy dropped before done");
                    ok = 1'b0;
                end
                if (n > MAX_LATENCY) begin
                    $display("watchdog: no done within %0d cycles for gcd(%0d, %0d)", MAX_LATENCY, opa, opb);
                    $display("RESULT: FAIL mismatches=%0d checks=%0d", mismatches + 1, checks);
                    $finish;
                end
            end
            start = 1'b0;
            checks = checks + 1;
            if (result !== expected || busy !== 1'b0) fail("wrong result at done");
            last_result = expected;
        end
    endtask

    // stay idle for n cycles: done low, busy low, result held
    task idle;
        input integer n;
        integer j;
        begin
            for (j = 0; j < n; j = j + 1) begin
                start = 1'b0; a = $random(seed); b = $random(seed);
                @(negedge clk);
                checks = checks + 1;
                if (done !== 1'b0 || busy !== 1'b0 || result !== last_result)
                    fail("idle: done/busy not low or result not held");
            end
        end
    endtask

    initial begin
        checks = 0; mismatches = 0; cycles = 0; ops = 0;
        expected = 16'd0; last_result = 16'd0;
        rst = 1'b1; start = 1'b0; a = 16'd0; b = 16'd0;
        @(negedge clk);
        @(negedge clk);
        // reset with start asserted: nothing must start
        start = 1'b1; a = 16'd10; b = 16'd4;
        @(negedge clk);
        rst = 1'b0;
        idle(2);
        // corner cases
        run_op(16'd0, 16'd0, 0);      idle(1);
        run_op(16'd0, 16'd7, 0);      idle(1);
        run_op(16'd7, 16'd0, 0);      idle(1);
        run_op(16'd1, 16'd1, 0);      idle(1);
        run_op(16'd48, 16'd18, 0);    idle(1);
        run_op(16'd18, 16'd48, 0);    idle(1);
        run_op(16'd65535, 16'd65535, 0); idle(1);
        run_op(16'd65535, 16'd21845, 0); idle(1);
        run_op(16'd65535, 16'd255, 0);   idle(1);
        run_op(16'd32768, 16'd16384, 0); idle(1);
        run_op(16'd46368, 16'd28657, 0); idle(1);   // Fibonacci pair, coprime
        run_op(16'd1, 16'd600, 0);       idle(1);   // long: ~600 cycles
        run_op(16'd40000, 16'd0, 0);     idle(1);
        run_op(16'd0, 16'd65535, 0);     idle(1);
        // back-to-back: start in the cycle where done is high
        run_op(16'd12, 16'd8, 0);
        run_op(16'd1071, 16'd462, 0);
        run_op(16'd0, 16'd0, 0);
        run_op(16'd99, 16'd0, 0);
        idle(2);
        // start while busy must be ignored
        run_op(16'd30000, 16'd45000, 1); idle(1);
        run_op(16'd1234, 16'd4321, 1);   idle(1);
        // reset during an operation: abandoned, outputs cleared
        start = 1'b1; a = 16'd50000; b = 16'd3;
        @(negedge clk);
        start = 1'b0;
        repeat (5) @(negedge clk);
        rst = 1'b1;
        @(negedge clk);
        rst = 1'b0;
        last_result = 16'd0; expected = 16'd0;
        checks = checks + 1;
        if (busy !== 1'b0 || done !== 1'b0 || result !== 16'd0) fail("reset during operation");
        idle(2);
        // random operands with a random common factor k (1..256); the
        // number of subtraction steps only depends on x and y (8 bits each),
        // which keeps the run short
        for (i = 0; i < 70; i = i + 1) begin
            k = ($random(seed) & 16'h00FF) + 16'd1;
            x = ($random(seed) & 16'h00FF);
            y = ($random(seed) & 16'h00FF);
            run_op(x * k, y * k, 0);
            if (i % 4 == 0) idle(1);
        end
        // fully random operands (moderate latency for this seed)
        for (i = 0; i < 20; i = i + 1) begin
            x = $random(seed);
            y = $random(seed);
            run_op(x, y, 0);
            idle(1);
        end
        $display("RESULT: %s mismatches=%0d checks=%0d",
                 (mismatches == 0) ? "PASS" : "FAIL", mismatches, checks);
        $finish;
    end
endmodule
