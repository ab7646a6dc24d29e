// div8: multi-cycle 16/8 unsigned restoring divider, one quotient bit per
// cycle (16 cycles), with a start/busy/done handshake.
// Divide by zero gives quotient 16'hFFFF and remainder dividend[7:0].
module div8 (
    input  wire        clk,
    input  wire        rst,
    input  wire        start,
    input  wire [15:0] dividend,
    input  wire [7:0]  divisor,
    output reg         busy,
    output reg         done,
    output wire [15:0] quotient,
    output wire [7:0]  remainder
);

    reg [15:0] q;      // dividend bits shifted out at the top, quotient bits shifted in
    reg [7:0]  r;      // partial remainder
    reg [7:0]  d;      // latched divisor
    reg [3:0]  count;  // quotient bits produced so far

    wire [8:0] shifted = {r, q[15]};
    wire       fits    = (shifted >= {1'b0, d});
    wire [8:0] diff    = shifted - {1'b0, d};

    always @(posedge clk) begin
        if (rst) begin
            busy  <= 1'b0;
            done  <= 1'b0;
            q     <= 16'd0;
            r     <= 8'd0;
            d     <= 8'd0;
            count <= 4'd0;
        end else begin
            done <= 1'b0;
            if (!busy) begin
                if (start) begin
                    q     <= dividend;
                    r     <= 8'd0;
                    d     <= divisor;
                    count <= 4'd0;
                    busy  <= 1'b1;
                end
            end else begin
                q     <= {q[14:0], fits};
                r     <= fits ? diff[7:0] : shifted[7:0];
                count <= count + 4'd1;
                if (count == 4'd15) begin
                    busy <= 1'b0;
                    done <= 1'b1;
                end
            end
        end
    end

    assign quotient  = q;
    assign remainder = r;

endmodule
