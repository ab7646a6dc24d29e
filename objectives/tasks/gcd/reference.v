// gcd: multi-cycle 16-bit greatest common divisor, Euclid by subtraction
// (one subtract or swap per cycle), with a start/busy/done handshake.
module gcd (
    input  wire        clk,
    input  wire        rst,
    input  wire        start,
    input  wire [15:0] a,
    input  wire [15:0] b,
    output reg         busy,
    output reg         done,
    output reg  [15:0] result
);

    reg [15:0] x, y;

    always @(posedge clk) begin
        if (rst) begin
            busy   <= 1'b0;
            done   <= 1'b0;
            result <= 16'd0;
            x      <= 16'd0;
            y      <= 16'd0;
        end else begin
            done <= 1'b0;
            if (!busy) begin
                if (start) begin
                    x    <= a;
                    y    <= b;
                    busy <= 1'b1;
                end
            end else if (y == 16'd0) begin
                result <= x;
                busy   <= 1'b0;
                done   <= 1'b1;
            end else if (x < y) begin
                x <= y;
                y <= x;
            end else begin
                x <= x - y;
            end
        end
    end

endmodule
