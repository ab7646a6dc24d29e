`timescale 1ns/1ps
// Self-checking testbench for seqdet.
// din is driven right after the falling edge; det is checked at the next
// falling edge (half a cycle after the rising edge that sampled din).
module tb;
    reg  clk;
    reg  rst;
    reg  din;
    wire det;

    integer seed;
    integer checks;
    integer mismatches;
    integer cycles;
    integer detections;
    integer i;
    reg [3:0] hist;      // last four sampled bits, newest in bit 0
    reg [2:0] nbits;     // number of bits sampled since reset (saturates at 4)
    reg       exp_det;
    reg [31:0] pattern;

    initial seed = 42;

    seqdet dut (
        .clk (clk),
        .rst (rst),
        .din (din),
        .det (det)
    );

    initial clk = 1'b0;
    always #5 clk = ~clk;

    // watchdog
    always @(posedge clk) begin
        cycles = cycles + 1;
        if (cycles > 10000) begin
            $display("RESULT: FAIL mismatches=%0d checks=%0d", mismatches + 1, checks);
            $finish;
        end
    end

    task cycle;
        input t_rst;
        input t_din;
        begin
            rst = t_rst; din = t_din;
            // golden model: sliding window over the bits sampled since reset
            if (t_rst) begin
                hist = 4'b0000; nbits = 3'd0;
            end else begin
                hist = {hist[2:0], t_din};
                if (nbits < 3'd4) nbits = nbits + 3'd1;
            end
            exp_det = (nbits == 3'd4) && (hist == 4'b1011);
            if (exp_det) detections = detections + 1;
            @(negedge clk);
            checks = checks + 1;
            if (det !== exp_det) begin
                mismatches = mismatches + 1;
                if (mismatches <= 5)
                    $display("MISMATCH cycle=%0d rst=%b din=%b history=%b: got det=%b, expected %b",
                             cycles, t_rst, t_din, hist, det, exp_det);
            end
        end
    endtask

    // feed the n low bits of p, most significant first
    task feed;
        input [31:0] p;
        input integer n;
        integer k;
        begin
            for (k = n - 1; k >= 0; k = k - 1)
                cycle(0, p[k]);
        end
    endtask

    initial begin
        checks = 0; mismatches = 0; cycles = 0; detections = 0;
        hist = 4'b0000; nbits = 3'd0;
        rst = 1'b1; din = 1'b0;
        @(negedge clk);
        cycle(1, 1);
        cycle(1, 0);
        // basic and overlapping occurrences
        feed(32'b1011, 4);
        feed(32'b011, 3);                 // 1011011: second overlapping hit
        feed(32'b0000, 4);
        feed(32'b1010_1011_0110_1101_1, 17);
        feed(32'b1111_0000, 8);           // no hit
        feed(32'b1001_1011, 8);
        feed(32'b1101_1011, 8);
        feed(32'b10101011, 8);
        feed(32'b10110, 5);
        // reset in the middle of a pattern: "101" then reset then "1" must not hit
        feed(32'b101, 3);
        cycle(1, 1);
        cycle(0, 1);
        feed(32'b011, 3);                 // "1011" after reset -> hit
        // reset right after a detection, and reset with din=1 held
        feed(32'b1011, 4);
        cycle(1, 1);
        cycle(1, 1);
        feed(32'b011, 3);                 // "011" only -> no hit
        feed(32'b1011, 4);
        // all ones / all zeros / alternating
        for (i = 0; i < 20; i = i + 1) cycle(0, 1);
        for (i = 0; i < 20; i = i + 1) cycle(0, 0);
        for (i = 0; i < 20; i = i + 1) cycle(0, i[0]);
        // random stream, biased towards ones so that patterns occur often
        for (i = 0; i < 1500; i = i + 1) begin
            pattern = $random(seed);
            cycle(pattern[9:0] == 10'd0, pattern[0] | pattern[1] & pattern[2]);
        end
        // random stream of concatenated patterns
        for (i = 0; i < 100; i = i + 1) begin
            pattern = $random(seed);
            if (pattern[0]) feed(32'b1011, 4); else feed(pattern[4:1], 4);
        end
        if (detections < 50) begin
            $display("testbench error: too few detections (%0d)", detections);
            mismatches = mismatches + 1;
        end
        $display("RESULT: %s mismatches=%0d checks=%0d",
                 (mismatches == 0) ? "PASS" : "FAIL", mismatches, checks);
        $finish;
    end
endmodule
